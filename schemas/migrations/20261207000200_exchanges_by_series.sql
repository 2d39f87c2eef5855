-- "Did another tenant of the same CUIT ask ARCA for this number": exchanges of a series across
-- tenants, by the start of their range (a reconciliation asks it for every number it finds).
create index exchanges_series_across_tenants
    on arca_ws.exchanges (series_stream, number_from);
