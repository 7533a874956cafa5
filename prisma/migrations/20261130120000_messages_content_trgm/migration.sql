-- CreateExtension
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner can create it without superuser.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "messages_content_trgm_idx" ON "messages" USING GIN ("content" gin_trgm_ops);
