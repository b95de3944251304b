// originalDst(fd): the destination a TCP connection had before iptables REDIRECT (or DNAT)
// rewrote it, read from conntrack with getsockopt(SO_ORIGINAL_DST). Plain Node-API, version 8,
// so one build loads on every Node from 20 on.
//
// Returns { address, port, family } on success. On failure it returns the errno as a number
// instead of throwing, because "not redirected" (ENOENT: no NAT entry; ENOPROTOOPT: conntrack not
// loaded) is a normal outcome on the per-connection path and exceptions are costly there.
// Only a non-integer argument throws (a programming error).
#include <errno.h>
#include <node_api.h>
#include <stdint.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

// Values from <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>; those headers
// clash with glibc's <netinet/in.h>, and the numbers are fixed kernel ABI.
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif
#endif

static napi_value errno_result(napi_env env, int code) {
  napi_value value = NULL;
  napi_create_int32(env, code, &value);
  return value;
}

#ifdef __linux__
static napi_value destination_object(napi_env env, const struct sockaddr_storage *dst) {
  char text[INET6_ADDRSTRLEN];
  const void *addr;
  uint16_t port;
  int family;
  if (dst->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)dst;
    addr = &v4->sin_addr;
    port = ntohs(v4->sin_port);
    family = 4;
  } else if (dst->ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)dst;
    addr = &v6->sin6_addr;
    port = ntohs(v6->sin6_port);
    family = 6;
  } else {
    return errno_result(env, EAFNOSUPPORT);
  }
  if (inet_ntop(dst->ss_family, addr, text, sizeof text) == NULL) return errno_result(env, errno);

  napi_value result, address, port_value, family_value;
  if (napi_create_object(env, &result) != napi_ok ||
      napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &address) != napi_ok ||
      napi_create_int32(env, port, &port_value) != napi_ok ||
      napi_create_int32(env, family, &family_value) != napi_ok ||
      napi_set_named_property(env, result, "address", address) != napi_ok ||
      napi_set_named_property(env, result, "port", port_value) != napi_ok ||
      napi_set_named_property(env, result, "family", family_value) != napi_ok) {
    return NULL;  // a JavaScript exception is pending
  }
  return result;
}

static napi_value original_dst_of(napi_env env, int fd) {
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &length) != 0) return errno_result(env, errno);

  struct sockaddr_storage original;
  memset(&original, 0, sizeof original);
  int status;
  if (local.ss_family == AF_INET6 &&
      !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)&local)->sin6_addr)) {
    length = sizeof(struct sockaddr_in6);
    status = getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &original, &length);
  } else if (local.ss_family == AF_INET || local.ss_family == AF_INET6) {
    // An IPv4 connection, possibly accepted by a dual-stack socket (::ffff:a.b.c.d): its NAT
    // entry is IPv4 conntrack's, which SOL_IP reaches on both socket families.
    length = sizeof(struct sockaddr_in);
    status = getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &original, &length);
  } else {
    return errno_result(env, EAFNOSUPPORT);
  }
  if (status != 0) return errno_result(env, errno);
  return destination_object(env, &original);
}
#else
static napi_value original_dst_of(napi_env env, int fd) {
  (void)fd;
  return errno_result(env, ENOTSUP);  // SO_ORIGINAL_DST is Linux netfilter only
}
#endif

static napi_value original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "originalDst(fd): fd must be an integer");
    return NULL;
  }
  if (fd < 0) return errno_result(env, EBADF);
  return original_dst_of(env, fd);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "originalDst", NAPI_AUTO_LENGTH, original_dst, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "originalDst", fn) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
