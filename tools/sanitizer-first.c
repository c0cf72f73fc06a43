/*
 * tools/sanitizer-first.c: preloaded after the AddressSanitizer runtime by
 * tools/with-cluster (DCPF_SANITIZE=1), for a server that is not itself
 * instrumented.
 *
 * The runtime initialises itself on the first malloc. In the server that
 * first malloc comes from a library's constructor (libgpg-error's
 * bindtextdomain, p11-kit's newlocale), inside glibc's own lock on the
 * message catalogues or the locales; the runtime's initialisation looks up
 * symbols, and the error message of a missing one is translated under the
 * same lock, which glibc then releases twice: every process hangs at its
 * next bindtextdomain or setlocale. These wrappers make that first malloc
 * before glibc takes the lock, then call glibc's function.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libintl.h>
#include <locale.h>
#include <stdlib.h>

static void *volatile first;

static void
runtime_first(void)
{
	if (first == NULL)
		first = malloc(1);
}

char *
bindtextdomain(const char *domainname, const char *dirname)
{
	static char *(*real) (const char *, const char *);

	runtime_first();
	if (real == NULL)
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
	return real(domainname, dirname);
}

char *
bind_textdomain_codeset(const char *domainname, const char *codeset)
{
	static char *(*real) (const char *, const char *);

	runtime_first();
	if (real == NULL)
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bind_textdomain_codeset");
	return real(domainname, codeset);
}

locale_t
newlocale(int category_mask, const char *locale, locale_t base)
{
	static locale_t (*real) (int, const char *, locale_t);

	runtime_first();
	if (real == NULL)
		real = (locale_t (*) (int, const char *, locale_t)) dlsym(RTLD_NEXT, "newlocale");
	return real(category_mask, locale, base);
}
