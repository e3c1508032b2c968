"""``mipwizard upgrade --to RELEASE``: back up, check out the new refs, write the new release's
values, show what changes (real renders of both sides), deploy, wait Ready, roll back on failure;
across a PostgreSQL major version, dump before and replay into the new database."""
