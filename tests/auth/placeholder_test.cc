// placeholder
int placeholder_auth = 0;
