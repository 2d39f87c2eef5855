-- The renderer shares each claim out between the tenants with jobs due: it finds them with a
-- loose scan (one probe per tenant) and takes each one's oldest due jobs.
create index jobs_tenant_due on documents.jobs (tenant_id, due_at);
