--liquibase formatted sql

--changeset alice:1 labels:core
--comment: people, and who owns which pet
create table ${prefix}person (
  id int primary key,
  name varchar(100) not null
);
create index ix_person_name on ${prefix}person (name);
--rollback drop table ${prefix}person;

--changeset alice:2 context:"test or dev" labels:seed,demo
insert into app_person (id, name) values (1, 'Ada');
insert into app_person (id, name) values (2, 'O''Brien; the second');
--rollback delete from app_person where id in (1, 2);

--changeset dave:guard
--preconditions onFail:MARK_RAN
--precondition-table-exists table:does_not_exist
create table never_created (id int);
--rollback drop table if exists never_created;

--changeset bob:3 runOnChange:true
create table app_pet (
  id int primary key,
  owner_id int,
  constraint fk_pet_owner foreign key (owner_id) references app_person (id)
);
--rollback drop table app_pet;

--changeset bob:4 splitStatements:false
-- this comment is part of the checksum
insert into app_pet (id, owner_id) values (1, 1)
--rollback delete from app_pet where id = 1;

--changeset carol:5 dbms:postgresql
create table pg_only (id int);
--rollback drop table pg_only;

--changeset carol:6 endDelimiter:\nGO
insert into app_pet (id, owner_id) values (2, 2)
GO
--rollback delete from app_pet where id = 2;

--changeset "erin smith":7 context:!prod
--validCheckSum: 9:00000000000000000000000000000000
create table audit_log (
  id int primary key,
  note varchar(200) default 'none',
  created_by varchar(50) not null
);
create unique index ux_audit_note on audit_log (note, created_by);
--rollback drop table audit_log;

--changeset erin:8
create view v_person as select id, name from app_person;
--rollback drop view v_person;
