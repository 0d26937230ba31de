// placeholder
int placeholder_store = 0;
