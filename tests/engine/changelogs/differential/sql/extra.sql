create table extra_note (id int, note varchar(100));
insert into extra_note (id, note) values (1, 'from a sqlFile');
