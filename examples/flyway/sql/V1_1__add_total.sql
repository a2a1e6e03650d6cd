ALTER TABLE invoices ADD total DECIMAL(12, 2);
