module pacegc.bench

go 1.19
