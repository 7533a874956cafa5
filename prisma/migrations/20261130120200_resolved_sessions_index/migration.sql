-- CreateIndex
CREATE INDEX "chat_sessions_resolved_updated_at_idx" ON "chat_sessions"("updated_at") WHERE status = 'resolved';
