{
  "targets": [
    {
      "target_name": "original_dst",
      "sources": ["original_dst.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
