// Package sharedfile opens files for reading without locking them: on
// Windows, os.Open shares a file for reading and writing but not for
// deleting, so while Swarmtone plays or seeds a track the user cannot
// rename, move or delete it in Explorer ("the file is open in another
// program"). Open shares it for deleting too. Elsewhere it is os.Open.
package sharedfile
