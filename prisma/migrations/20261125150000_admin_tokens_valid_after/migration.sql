-- AlterTable
ALTER TABLE "admins" ADD COLUMN "tokens_valid_after" TIMESTAMPTZ(3);
