import ky from 'ky';
ky.extend({ hooks: { beforeRequest: [({ request }) => { request.headers.set('Authorization', 'JWT ' + AP.token); }] } }).get('/api');
