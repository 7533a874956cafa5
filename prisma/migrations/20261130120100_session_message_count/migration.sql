-- AlterTable
ALTER TABLE "chat_sessions" ADD COLUMN "message_count" INTEGER NOT NULL DEFAULT 0;

-- Backfill: the per-session cap counts the messages already stored.
UPDATE "chat_sessions" AS s SET "message_count" = c.n
FROM (SELECT "session_id", count(*)::integer AS n FROM "messages" GROUP BY "session_id") AS c
WHERE c."session_id" = s."id";
