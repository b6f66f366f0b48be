declare module 'apache-md5' {
  /** Apache's MD5 ($apr1$) or MD5-crypt ($1$) hash of `password`, with the salt taken from `salt` (a full hash works). */
  export default function md5crypt(password: string, salt?: string): string;
}
