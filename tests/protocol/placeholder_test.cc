// placeholder
int placeholder_protocol = 0;
