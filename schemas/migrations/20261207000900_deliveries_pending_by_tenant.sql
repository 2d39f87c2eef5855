-- The dispatcher takes due deliveries tenant by tenant, in turns: it walks the tenants with
-- pending deliveries on this index (one probe each) and takes each one's oldest due ones. It
-- replaces the index by due time alone, which only that query read.
create index deliveries_pending_by_tenant
    on webhooks.deliveries (tenant_id, next_attempt_at) where status = 'pending';
drop index webhooks.deliveries_due;
