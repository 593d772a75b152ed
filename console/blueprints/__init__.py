"""The console's blueprints: auth, queue, cases, admin, reports."""
