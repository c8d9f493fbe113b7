"""The TAK gateway as a whole: the streaming server, the bridge and the enrolment port."""
