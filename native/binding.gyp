{
  "targets": [
    {
      "target_name": "fcntl_lock",
      "sources": ["fcntl-lock.c", "os-pipe.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
