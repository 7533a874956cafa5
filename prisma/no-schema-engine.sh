#!/bin/sh
# `prisma generate` only checks that a schema engine exists; it never runs it. Where the engine cannot be
# downloaded, this stand-in lets generate work. Migrations are applied by the app itself (src/prisma/migrator.ts).
echo "the schema engine is not installed; migrations are applied by 'npm run db:migrate'" >&2
exit 1
