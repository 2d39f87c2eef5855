-- Each delivery's row was updated three times, and every update wrote a new entry into each of
-- the table's five indexes: the lease changed next_attempt_at (deliveries_due) and updated_at
-- (deliveries_followup), the record changed the status, and clearing `followup_due` changed a
-- partial index's predicate. Under `arca bench webhooks` these updates and the vacuum of what
-- they left behind were about a third of Postgres' time.
--
-- 1. Outcomes whose events are still to append are rows of a narrow queue of their own, inserted
--    in the transaction that finishes the delivery and deleted once the events are stored,
--    instead of a flag (and its index) on the delivery.
-- 2. A lease is a column no index covers (`leased_until`), so taking a delivery is an update
--    Postgres can keep on the row's page without touching any index (a HOT update), given room
--    on the page. Deliveries are taken in batches of neighbours, whose pages must hold a second
--    version of each row: new pages are filled to half, and the record's update, which reads
--    the page, first prunes the versions the lease left dead.
create table webhooks.outcomes_due (
    delivery_id uuid primary key references webhooks.deliveries on delete cascade,
    finished_at timestamptz not null default now()
);

insert into webhooks.outcomes_due (delivery_id, finished_at)
select delivery_id, coalesce(finished_at, updated_at)
from webhooks.deliveries
where followup_due;

drop index webhooks.deliveries_followup;
alter table webhooks.deliveries drop column followup_due;

-- While an attempt runs: the instant another dispatcher may take the delivery again.
alter table webhooks.deliveries add column leased_until timestamptz;
alter table webhooks.deliveries set (fillfactor = 50);
