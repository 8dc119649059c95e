// work.js: what every workspace page runs: its forms write through the
// API, and the sign-out button ends the session.
import {signOut} from './api.js';
import {enhanceForms} from './form.js';

enhanceForms();
for (const b of document.querySelectorAll('[data-signout]')) {
  b.addEventListener('click', async () => {
    await signOut();
    location.assign('/');
  });
}
