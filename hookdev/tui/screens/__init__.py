"""Modal screens: help, confirmations, input dialogs, the endpoint form."""
