/* nopie_static: nopie.c linked -static -no-pie (no interpreter: the
 * kernel's, here the LibOS's, loader alone maps it at its link address). */
#include "nopie.c"
