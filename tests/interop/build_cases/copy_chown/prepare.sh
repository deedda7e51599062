chmod 0600 dir/x.txt
chmod 0750 dir/sub
