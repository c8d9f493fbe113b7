"""Access control: roles, scopes and the one policy that decides every access."""
