"""smtpcodes: SMTP reply codes explained."""
