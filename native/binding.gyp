{
  "targets": [
    {
      "target_name": "fcntl_lock",
      "sources": ["fcntl-lock.c", "os-pipe.c", "zygote-fork.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
