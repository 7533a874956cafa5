-- CreateIndex
CREATE INDEX "messages_ai_created_at_idx" ON "messages"("created_at") WHERE sender = 'ai';
