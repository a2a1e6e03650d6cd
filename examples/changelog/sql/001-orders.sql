-- liquibase formatted sql

-- changeset alice:orders-table
CREATE TABLE orders (id INT PRIMARY KEY, placed_at TIMESTAMP, total DECIMAL(10, 2));
-- rollback DROP TABLE orders;

-- changeset alice:orders-status
ALTER TABLE orders ADD COLUMN status VARCHAR(20) DEFAULT 'new';
-- rollback ALTER TABLE orders DROP COLUMN status;
