-- Invoices still on their way to ARCA, for the saga's in-flight gauge (counted at every scrape):
-- a partial index stays small however many invoices are final.
create index invoices_in_flight on rm.invoices (status)
    where status not in ('authorized', 'rejected');
