/*
 * bcryptprimitives.dll for Wine 8.0, which has none (Wine 9 has it). Go's
 * Windows runtime (since Go 1.24) loads ProcessPrng from it at start and
 * stops with "bcryptprimitives.dll not found" otherwise. tools/winetest.sh
 * builds this with mingw and puts it into the private WINEPREFIX's
 * system32 only; it is never shipped: every Windows 10 or later has the real one.
 */
#include <windows.h>
#include <bcrypt.h>

/* ProcessPrng fills data with size random bytes from the system RNG. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
	while (size > 0) {
		ULONG n = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}
