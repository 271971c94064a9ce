/* errnames.c - symbolic names of errno values and CURLcodes, both ways: the
 * configuration takes names (failure_errors, reject_errno,
 * curl_failure_codes) and logs and the tool print them.
 *
 * Tables are indexed by value so that naming a value (done when logging a
 * transition) is one array read. The values come from the system headers;
 * <curl/curl.h> is included for its enum only, so nothing here links
 * libcurl (the shim must not carry a DT_NEEDED on it). */
#include <errno.h>
#include <string.h>

#include <curl/curl.h>

#include "base/base.h"

#define NAME(x) [x] = #x

/* Every errno Linux defines (asm-generic/errno-base.h and errno.h). */
static const char *const errno_names[] = {
        NAME(EPERM),
        NAME(ENOENT),
        NAME(ESRCH),
        NAME(EINTR),
        NAME(EIO),
        NAME(ENXIO),
        NAME(E2BIG),
        NAME(ENOEXEC),
        NAME(EBADF),
        NAME(ECHILD),
        NAME(EAGAIN),
        NAME(ENOMEM),
        NAME(EACCES),
        NAME(EFAULT),
        NAME(ENOTBLK),
        NAME(EBUSY),
        NAME(EEXIST),
        NAME(EXDEV),
        NAME(ENODEV),
        NAME(ENOTDIR),
        NAME(EISDIR),
        NAME(EINVAL),
        NAME(ENFILE),
        NAME(EMFILE),
        NAME(ENOTTY),
        NAME(ETXTBSY),
        NAME(EFBIG),
        NAME(ENOSPC),
        NAME(ESPIPE),
        NAME(EROFS),
        NAME(EMLINK),
        NAME(EPIPE),
        NAME(EDOM),
        NAME(ERANGE),
        NAME(EDEADLK),
        NAME(ENAMETOOLONG),
        NAME(ENOLCK),
        NAME(ENOSYS),
        NAME(ENOTEMPTY),
        NAME(ELOOP),
        NAME(ENOMSG),
        NAME(EIDRM),
        NAME(ECHRNG),
        NAME(EL2NSYNC),
        NAME(EL3HLT),
        NAME(EL3RST),
        NAME(ELNRNG),
        NAME(EUNATCH),
        NAME(ENOCSI),
        NAME(EL2HLT),
        NAME(EBADE),
        NAME(EBADR),
        NAME(EXFULL),
        NAME(ENOANO),
        NAME(EBADRQC),
        NAME(EBADSLT),
        NAME(EBFONT),
        NAME(ENOSTR),
        NAME(ENODATA),
        NAME(ETIME),
        NAME(ENOSR),
        NAME(ENONET),
        NAME(ENOPKG),
        NAME(EREMOTE),
        NAME(ENOLINK),
        NAME(EADV),
        NAME(ESRMNT),
        NAME(ECOMM),
        NAME(EPROTO),
        NAME(EMULTIHOP),
        NAME(EDOTDOT),
        NAME(EBADMSG),
        NAME(EOVERFLOW),
        NAME(ENOTUNIQ),
        NAME(EBADFD),
        NAME(EREMCHG),
        NAME(ELIBACC),
        NAME(ELIBBAD),
        NAME(ELIBSCN),
        NAME(ELIBMAX),
        NAME(ELIBEXEC),
        NAME(EILSEQ),
        NAME(ERESTART),
        NAME(ESTRPIPE),
        NAME(EUSERS),
        NAME(ENOTSOCK),
        NAME(EDESTADDRREQ),
        NAME(EMSGSIZE),
        NAME(EPROTOTYPE),
        NAME(ENOPROTOOPT),
        NAME(EPROTONOSUPPORT),
        NAME(ESOCKTNOSUPPORT),
        NAME(EOPNOTSUPP),
        NAME(EPFNOSUPPORT),
        NAME(EAFNOSUPPORT),
        NAME(EADDRINUSE),
        NAME(EADDRNOTAVAIL),
        NAME(ENETDOWN),
        NAME(ENETUNREACH),
        NAME(ENETRESET),
        NAME(ECONNABORTED),
        NAME(ECONNRESET),
        NAME(ENOBUFS),
        NAME(EISCONN),
        NAME(ENOTCONN),
        NAME(ESHUTDOWN),
        NAME(ETOOMANYREFS),
        NAME(ETIMEDOUT),
        NAME(ECONNREFUSED),
        NAME(EHOSTDOWN),
        NAME(EHOSTUNREACH),
        NAME(EALREADY),
        NAME(EINPROGRESS),
        NAME(ESTALE),
        NAME(EUCLEAN),
        NAME(ENOTNAM),
        NAME(ENAVAIL),
        NAME(EISNAM),
        NAME(EREMOTEIO),
        NAME(EDQUOT),
        NAME(ENOMEDIUM),
        NAME(EMEDIUMTYPE),
        NAME(ECANCELED),
        NAME(ENOKEY),
        NAME(EKEYEXPIRED),
        NAME(EKEYREVOKED),
        NAME(EKEYREJECTED),
        NAME(EOWNERDEAD),
        NAME(ENOTRECOVERABLE),
        NAME(ERFKILL),
        NAME(EHWPOISON),
};

/* Other spellings of the same values, accepted in the configuration. */
static const struct {
	const char *name;
	int value;
} errno_aliases[] = {
        {"EWOULDBLOCK", EWOULDBLOCK},
        {"EDEADLOCK", EDEADLOCK},
        {"ENOTSUP", ENOTSUP},
};

/* Every CURLcode of curl 7.88's curl.h, the retired ones included so that
 * any value curl can return has a name. */
static const char *const curlcode_names[] = {
        NAME(CURLE_OK),
        NAME(CURLE_UNSUPPORTED_PROTOCOL),
        NAME(CURLE_FAILED_INIT),
        NAME(CURLE_URL_MALFORMAT),
        NAME(CURLE_NOT_BUILT_IN),
        NAME(CURLE_COULDNT_RESOLVE_PROXY),
        NAME(CURLE_COULDNT_RESOLVE_HOST),
        NAME(CURLE_COULDNT_CONNECT),
        NAME(CURLE_WEIRD_SERVER_REPLY),
        NAME(CURLE_REMOTE_ACCESS_DENIED),
        NAME(CURLE_FTP_ACCEPT_FAILED),
        NAME(CURLE_FTP_WEIRD_PASS_REPLY),
        NAME(CURLE_FTP_ACCEPT_TIMEOUT),
        NAME(CURLE_FTP_WEIRD_PASV_REPLY),
        NAME(CURLE_FTP_WEIRD_227_FORMAT),
        NAME(CURLE_FTP_CANT_GET_HOST),
        NAME(CURLE_HTTP2),
        NAME(CURLE_FTP_COULDNT_SET_TYPE),
        NAME(CURLE_PARTIAL_FILE),
        NAME(CURLE_FTP_COULDNT_RETR_FILE),
        NAME(CURLE_OBSOLETE20),
        NAME(CURLE_QUOTE_ERROR),
        NAME(CURLE_HTTP_RETURNED_ERROR),
        NAME(CURLE_WRITE_ERROR),
        NAME(CURLE_OBSOLETE24),
        NAME(CURLE_UPLOAD_FAILED),
        NAME(CURLE_READ_ERROR),
        NAME(CURLE_OUT_OF_MEMORY),
        NAME(CURLE_OPERATION_TIMEDOUT),
        NAME(CURLE_OBSOLETE29),
        NAME(CURLE_FTP_PORT_FAILED),
        NAME(CURLE_FTP_COULDNT_USE_REST),
        NAME(CURLE_OBSOLETE32),
        NAME(CURLE_RANGE_ERROR),
        NAME(CURLE_HTTP_POST_ERROR),
        NAME(CURLE_SSL_CONNECT_ERROR),
        NAME(CURLE_BAD_DOWNLOAD_RESUME),
        NAME(CURLE_FILE_COULDNT_READ_FILE),
        NAME(CURLE_LDAP_CANNOT_BIND),
        NAME(CURLE_LDAP_SEARCH_FAILED),
        NAME(CURLE_OBSOLETE40),
        NAME(CURLE_FUNCTION_NOT_FOUND),
        NAME(CURLE_ABORTED_BY_CALLBACK),
        NAME(CURLE_BAD_FUNCTION_ARGUMENT),
        NAME(CURLE_OBSOLETE44),
        NAME(CURLE_INTERFACE_FAILED),
        NAME(CURLE_OBSOLETE46),
        NAME(CURLE_TOO_MANY_REDIRECTS),
        NAME(CURLE_UNKNOWN_OPTION),
        NAME(CURLE_SETOPT_OPTION_SYNTAX),
        NAME(CURLE_OBSOLETE50),
        NAME(CURLE_OBSOLETE51),
        NAME(CURLE_GOT_NOTHING),
        NAME(CURLE_SSL_ENGINE_NOTFOUND),
        NAME(CURLE_SSL_ENGINE_SETFAILED),
        NAME(CURLE_SEND_ERROR),
        NAME(CURLE_RECV_ERROR),
        NAME(CURLE_OBSOLETE57),
        NAME(CURLE_SSL_CERTPROBLEM),
        NAME(CURLE_SSL_CIPHER),
        NAME(CURLE_PEER_FAILED_VERIFICATION),
        NAME(CURLE_BAD_CONTENT_ENCODING),
        NAME(CURLE_OBSOLETE62),
        NAME(CURLE_FILESIZE_EXCEEDED),
        NAME(CURLE_USE_SSL_FAILED),
        NAME(CURLE_SEND_FAIL_REWIND),
        NAME(CURLE_SSL_ENGINE_INITFAILED),
        NAME(CURLE_LOGIN_DENIED),
        NAME(CURLE_TFTP_NOTFOUND),
        NAME(CURLE_TFTP_PERM),
        NAME(CURLE_REMOTE_DISK_FULL),
        NAME(CURLE_TFTP_ILLEGAL),
        NAME(CURLE_TFTP_UNKNOWNID),
        NAME(CURLE_REMOTE_FILE_EXISTS),
        NAME(CURLE_TFTP_NOSUCHUSER),
        NAME(CURLE_OBSOLETE75),
        NAME(CURLE_OBSOLETE76),
        NAME(CURLE_SSL_CACERT_BADFILE),
        NAME(CURLE_REMOTE_FILE_NOT_FOUND),
        NAME(CURLE_SSH),
        NAME(CURLE_SSL_SHUTDOWN_FAILED),
        NAME(CURLE_AGAIN),
        NAME(CURLE_SSL_CRL_BADFILE),
        NAME(CURLE_SSL_ISSUER_ERROR),
        NAME(CURLE_FTP_PRET_FAILED),
        NAME(CURLE_RTSP_CSEQ_ERROR),
        NAME(CURLE_RTSP_SESSION_ERROR),
        NAME(CURLE_FTP_BAD_FILE_LIST),
        NAME(CURLE_CHUNK_FAILED),
        NAME(CURLE_NO_CONNECTION_AVAILABLE),
        NAME(CURLE_SSL_PINNEDPUBKEYNOTMATCH),
        NAME(CURLE_SSL_INVALIDCERTSTATUS),
        NAME(CURLE_HTTP2_STREAM),
        NAME(CURLE_RECURSIVE_API_CALL),
        NAME(CURLE_AUTH_ERROR),
        NAME(CURLE_HTTP3),
        NAME(CURLE_QUIC_CONNECT_ERROR),
        NAME(CURLE_PROXY),
        NAME(CURLE_SSL_CLIENTCERT),
        NAME(CURLE_UNRECOVERABLE_POLL),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *cb_errno_name(int err)
{
	return err >= 0 && (size_t)err < COUNT(errno_names) ? errno_names[err] : NULL;
}

int cb_errno_from_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < COUNT(errno_names); i++)
		if (errno_names[i] && strcmp(errno_names[i], name) == 0)
			return (int)i;
	for (size_t i = 0; i < COUNT(errno_aliases); i++)
		if (strcmp(errno_aliases[i].name, name) == 0)
			return errno_aliases[i].value;
	return -1;
}

const char *cb_curlcode_name(int code)
{
	return code >= 0 && (size_t)code < COUNT(curlcode_names) ? curlcode_names[code] : NULL;
}

int cb_curlcode_from_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < COUNT(curlcode_names); i++)
		if (curlcode_names[i] && strcmp(curlcode_names[i], name) == 0)
			return (int)i;
	return -1;
}
