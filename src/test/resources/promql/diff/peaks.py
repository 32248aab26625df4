# Part of Meshlens' PromQL differential test data; see README.md in this directory.
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import json, urllib.request, urllib.parse
T0=1700000000
qs=[l.rstrip('\n') for l in open(os.path.join(HERE, 'queries.txt')) if l.strip()]
out=[]
for q in qs:
  for kind,params in [('instant',{'query':q,'time':str(T0+1800)}),('range',{'query':q,'start':str(T0+600),'end':str(T0+3000),'step':'60'})]:
    params['stats']='all'
    data=urllib.parse.urlencode(params).encode()
    path='/api/v1/query' if kind=='instant' else '/api/v1/query_range'
    try:
      d=json.load(urllib.request.urlopen('http://127.0.0.1:19090'+path,data))
    except urllib.error.HTTPError as e:
      continue
    if d['status']!='success': continue
    out.append({'kind':kind,'query':q,'peak':d['data']['stats']['samples']['peakSamples']})
doc={'provenance':'peakSamples reported by a real Prometheus 2.42.0 (Debian 12 package) with stats=all for each query of queries.txt over dataset.test: instant at 1700001800, range 1700000600..1700003000 step 60. Recorded by peaks.py.','cases':out}
json.dump(doc,open(os.path.join(HERE, 'peaks.json'),'w'),indent=0)
print(len(out))
