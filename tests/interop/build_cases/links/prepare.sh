ln a.txt hard-a.txt
ln dir/h1 dir/h2
ln -s a.txt sym
ln -s /etc/passwd abs-sym
ln -s nowhere dangling
ln -s ../a.txt dir/up
