-- liquibase formatted sql

-- changeset bob:customers-table
CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(200) NOT NULL);
-- rollback DROP TABLE customers;

-- changeset bob:orders-customer
ALTER TABLE orders ADD COLUMN customer_id INT;
-- rollback ALTER TABLE orders DROP COLUMN customer_id;
