CREATE TABLE invoices (
    id INT PRIMARY KEY,
    customer VARCHAR(100) NOT NULL,
    currency VARCHAR(3) NOT NULL DEFAULT '${currency}'
);
