"""Civil protection beyond alerts: shelters (and evacuation orders). Pure."""
