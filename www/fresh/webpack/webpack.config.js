// A new webpack 5 + React app's config: JSX through babel and an HTML page, nothing else (nothing
// about connect-token, wasm or assets).
import HtmlWebpackPlugin from 'html-webpack-plugin';

export default {
  entry: './src/main.jsx',
  module: {
    rules: [
      {
        test: /\.jsx$/,
        exclude: /node_modules/,
        use: { loader: 'babel-loader', options: { presets: [['@babel/preset-react', { runtime: 'automatic' }]] } },
      },
    ],
  },
  plugins: [new HtmlWebpackPlugin({ template: 'index.html' })],
};
