{
  "targets": [
    {
      "target_name": "fcntl_lock",
      "sources": ["fcntl-lock.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
