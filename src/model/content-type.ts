// Content-Type rules shared by format detection, the decoders and the forwarder.

/** True when the Content-Type announces a multipart form (as the original: it contains `multipart/form-data`). */
export const isMultipart = (contentType: string | undefined): contentType is string => contentType !== undefined && contentType.toLowerCase().includes('multipart/form-data');
