// Chrome needs nothing in the page to route downloads: the background names each
// download in downloads.onDeterminingFilename. (Firefox's version of this file
// intercepts attachment clicks, because Firefox has no such event.)
