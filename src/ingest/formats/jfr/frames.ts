// Frame naming: `<class>.<method>`, class in the `/` form JFR stores. Generated names that differ per
// process (reflection accessors, lambda classes, temp-file names of native libraries) are normalised so
// series do not fragment across restarts; the same rules as the original server's JFR converter.

const RULES: [RegExp, string][] = [
  // jdk/internal/reflect/GeneratedMethodAccessor31 -> ..._
  [/^((?:jdk\/internal|sun)\/reflect\/GeneratedMethodAccessor)\d+$/, '$1_'],
  // a/B$$Lambda$669/0x0000000800fd7318, a/B$$Lambda$14.0x..., a/B$$Lambda.0x... -> a/B$$Lambda$_
  [/^(.+\$\$Lambda)(\$?\d*[./](0x)?[\da-f]+|\d+)$/, '$1$$_'],
  // libzstd-jni-1.5.1-16931311898282279136.so -> libzstd-jni-_.so
  [/^(\.?\/tmp\/)?libzstd-jni-\d+\.\d+\.\d+-\d+\.so( \(deleted\))?$/, 'libzstd-jni-_.so'],
  // ./tmp/libamazonCorrettoCryptoProvider109b39cf33c563eb.so and its NativeLibraries.<hex>/ variants
  [
    /^(\.?\/tmp\/)?(lib)?amazonCorrettoCryptoProvider(NativeLibraries\.)?[0-9a-f]{16}(\/libcrypto|\/libamazonCorrettoCryptoProvider)?\.so( \(deleted\))?$/,
    'libamazonCorrettoCryptoProvider_.so',
  ],
  // libasyncProfiler-linux-x64-<hash>.so extracted by pyroscope-java
  [/^(\.?\/tmp\/)?libasyncProfiler-(linux-arm64|linux-musl-x64|linux-x64|macos)-[0-9a-f]+\.so( \(deleted\))?$/, 'libasyncProfiler-_.so'],
];

/** Applies the normalisations to one class or method name (they are anchored, so most names pass untouched). */
export function normalizeName(name: string): string {
  for (const [re, to] of RULES) if (re.test(name)) return name.replace(re, to);
  return name;
}

/** The frame text for a method; a missing class (native frames of some producers) gives the bare name. */
export function frameName(className: string | undefined, methodName: string): string {
  const m = normalizeName(methodName);
  return className ? `${normalizeName(className)}.${m}` : m;
}
