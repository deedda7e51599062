# Modes git does not keep, a symlink, and an empty directory.
chmod 0755 exec.sh
chmod 0600 secret.key
chmod 0750 dir/sub
ln -s a.txt link-to-a
rm emptydir/.keep-in-git
chmod 0700 emptydir
