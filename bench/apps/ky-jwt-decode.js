import ky from 'ky';
import { jwtDecode } from 'jwt-decode';
AP.context.getToken().then((t) => jwtDecode(t).exp && ky.extend({ hooks: { beforeRequest: [({ request }) => { request.headers.set('Authorization', 'JWT ' + t); }] } }).get('/api'));
