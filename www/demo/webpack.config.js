// webpack 5 + babel 7 build of the same src/ → dist-webpack/. The page is index.html minus Vite's
// entry line; publicPath 'auto' makes every asset URL relative to the bundle, so the build works
// under any path, e.g. /webpack/index.html on the add-on server (see serve.js).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';
import HtmlWebpackPlugin from 'html-webpack-plugin';
import MiniCssExtractPlugin from 'mini-css-extract-plugin';

const here = path.dirname(fileURLToPath(import.meta.url));
const page = readFileSync(path.join(here, 'index.html'), 'utf8').replace(/^.*src="\/src\/main\.jsx".*\n/m, '');

export default {
  target: 'web',
  entry: './src/main.jsx',
  output: {
    path: path.join(here, 'dist-webpack'),
    publicPath: 'auto',
    filename: 'assets/[name]-[contenthash:8].js',
    assetModuleFilename: 'assets/[name]-[contenthash:8][ext]',
    clean: true,
  },
  resolve: {
    extensions: ['.js', '.jsx'],
    // node_modules/connect-token is a link to ../../pkg: keep the link path, so the package's
    // `import 'react'` finds this app's React.
    symlinks: false,
  },
  module: {
    rules: [
      {
        test: /\.jsx$/,
        exclude: /node_modules/,
        use: { loader: 'babel-loader', options: { presets: [['@babel/preset-react', { runtime: 'automatic' }]] } },
      },
      { test: /\.css$/, use: [MiniCssExtractPlugin.loader, 'css-loader'] },
    ],
  },
  plugins: [
    new webpack.DefinePlugin({ __BUNDLER__: JSON.stringify(`webpack ${webpack.version} + babel 7`) }),
    new HtmlWebpackPlugin({ templateContent: page, inject: 'body', scriptLoading: 'defer' }),
    new MiniCssExtractPlugin({ filename: 'assets/[name]-[contenthash:8].css' }),
  ],
  performance: { hints: false },
};
