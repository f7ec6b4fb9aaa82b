package interchange

// noFollow: Windows opens no symbolic link as a file here (O_EXCL refuses
// one that exists).
const noFollow = 0
