import { jwtDecode } from 'jwt-decode';
AP.context.getToken().then((t) => fetch('/api', { headers: { Authorization: 'JWT ' + t, 'X-Exp': jwtDecode(t).exp } }));
