-- The data dictionary, from the marts' own column comments.
select table_name, table_comment, column_name, data_type, column_comment from dictionary order by table_name, column_index
