// Taro's rules (React), plus the hooks rules; TypeScript is parsed by the
// parser eslint-config-taro brings.
module.exports = {
  root: true,
  extends: ['taro/react'],
  plugins: ['react-hooks'],
  rules: {
    'react/jsx-uses-react': 'off',
    'react/react-in-jsx-scope': 'off',
    'react-hooks/rules-of-hooks': 'error',
    'react-hooks/exhaustive-deps': 'warn',
    'import/no-commonjs': 'off',
  },
  ignorePatterns: ['dist/', 'dist-h5/', 'node_modules/', '.swc/'],
}
