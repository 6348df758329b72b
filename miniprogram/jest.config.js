// Unit tests of components, pages and the API client in jsdom, with small
// stand-ins for @tarojs/taro and @tarojs/components (test/mocks).
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  moduleNameMapper: {
    '^@tarojs/taro$': '<rootDir>/test/mocks/taro.ts',
    '^@tarojs/components$': '<rootDir>/test/mocks/components.tsx',
    '^@/(.*)$': '<rootDir>/src/$1',
    '\\.(css|scss)$': '<rootDir>/test/mocks/style.ts',
  },
  globals: { WEMART_API_URL: 'https://api.test', WEMART_SANDBOX: false },
  transform: { '^.+\\.[jt]sx?$': 'babel-jest' },
}
