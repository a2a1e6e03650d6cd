DROP VIEW IF EXISTS open_invoices;
CREATE VIEW open_invoices AS SELECT id, customer, currency FROM invoices;
